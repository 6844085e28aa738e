"""Monitoring of watched wallets: poll, alert on movements of stolen funds, extend the trace."""
