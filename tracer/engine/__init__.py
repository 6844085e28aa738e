"""The trace engine: from seeds to stored edges, links and endpoints, one address at a time.

Public entry points: :class:`tracer.engine.runner.TraceEngine` and :class:`tracer.engine.ports.TraceRepository`.
"""
