"""The simulator's MQTT surface: an embedded amqtt broker bridged to the simulator's backends."""
