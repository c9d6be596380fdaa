"""HTTP layer (FastAPI): thin routers over the application services (renkou.app). The only
package that knows about HTTP; domain errors become status codes here."""
