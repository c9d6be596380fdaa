"""The registry's aggregates on Apache Spark, over the Parquet export
(:mod:`renkou.registry.export`); see :class:`renkou.registry.spark.engine.SparkRegistry`.

Imported only when the Spark engine is asked for: starting Java costs seconds."""
