"""Platform-side fault injection: rules as data (rules.py), evaluated by the HTTP dispatcher, the MQTT
bridge and the stream sender at one hook each (http.py, mqtt.py, streams.py); docs/faults.md."""

from simulator.faults.book import FaultBook, fault_mark
from simulator.faults.rules import FaultRule, RuleError, parse_rule

__all__ = ["FaultBook", "FaultRule", "RuleError", "fault_mark", "parse_rule"]
