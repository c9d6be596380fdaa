"""Rules as code (政策规则计算): entitlement schemes as dated parameters and declarative
conditions, evaluated vectorised over tables of people, with an explanation trail per person.

Layers: :mod:`renkou.rules.parameters` (dated values from YAML), :mod:`renkou.rules.conditions`
(declarative conditions), :mod:`renkou.rules.engine` (evaluation and explanations),
:mod:`renkou.rules.schemes` (one module per scheme), :mod:`renkou.rules.caseload` and
:mod:`renkou.rules.budget` (the same rules over the registry and the projection)."""
