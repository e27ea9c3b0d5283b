"""The dashboard at /_sim/ui and the API reference at /v1/api-collection/: static files only.

Both pages are clients of the public API and /_sim, exactly like a frontend developer's app: the
server hands out files and never renders Python objects into them.
"""
