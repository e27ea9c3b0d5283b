"""The simulated OLT identity realm (Keycloak-like OIDC provider)."""
