"""Keeping the world on disk: snapshot documents, the state dir's world files, the periodic saver.

Services never see a disk: the runtime's snapshot codec turns the world into JSON, and this
package writes it atomically under `<state-dir>/world/` (with timeseries points appended as a
log), loads it back before the server accepts connections, and validates documents that users
PUT to /_sim/snapshot.
"""
