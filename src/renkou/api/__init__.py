"""HTTP layer (FastAPI): thin routers over the registry, plans and rules. The only package
that knows about HTTP; domain errors become status codes here."""
