"""Xero simulator package (see tests/sim/xero_sim.py for the control API)."""
