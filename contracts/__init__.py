"""OLT contract documents (OpenAPI 3.1 and AsyncAPI 3.0) and helpers to read them."""
