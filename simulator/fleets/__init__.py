"""The fleet engine: many virtual devices as real MQTT clients per process, over worker processes.

A fleet talks to a simulator (or any OLT-compatible endpoint) only over its public surfaces:
devices are provisioned over REST (remote.py) or by the caller, connect over MQTT with their own
credentials (connection.py) and report what the scenario's generators make (worker.py); the
work is split over worker processes (pool.py), each reporting its counters to the summary.
"""
