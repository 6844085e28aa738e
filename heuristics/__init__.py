"""Pure heuristics: taint models, swaps, bridges, instant exchanges, deposits, mixers, CoinJoins, peel chains,
clustering.

Each module is one heuristic: a pure function over chain facts that returns a :class:`heuristics.base.Finding`
carrying its evidence class, confidence and rule name, all set in that module. The engine calls each one at its
own step of the work (which node, which history, in which order) -- so there is no name -> function registry:
the heuristics take different inputs and a registry nobody dispatches through would only be a second list of
them. Adding a heuristic is one module here plus the one engine step that calls it
(docs/architecture.md).
"""
