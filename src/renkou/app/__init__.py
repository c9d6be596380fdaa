"""Application services (应用服务): one function per use case.

The CLI, the API and the report writers call these and only parse arguments and format
results. Each function takes a registry (or the path of its store) and plain arguments and
returns result objects; defaults come from the store (its jurisdiction, its last data date)
and from the plan (its period), never from the edge that calls."""
