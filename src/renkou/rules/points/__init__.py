"""Points-based hukou settlement (积分落户): a points scheme as dated data
(:mod:`~renkou.rules.points.scheme`, read by :mod:`~renkou.rules.points.loader`), the
applicant table (:mod:`~renkou.rules.points.columns`), scoring with explanations
(:mod:`~renkou.rules.points.score`), ranking for an annual quota
(:mod:`~renkou.rules.points.rank`), simulating a change and its settled inflow
(:mod:`~renkou.rules.points.simulate`, :mod:`~renkou.rules.points.inflow`), YAML policy cases
(:mod:`~renkou.rules.points.cases`) and a synthetic applicant pool
(:mod:`~renkou.rules.points.applicants`)."""
