"""HubSpot simulator package; the entry point and the control-API reference
are in tests/sim/hubspot_sim.py."""
