"""issuer: the vaccination registry and same-day signing service (issue 4)."""
