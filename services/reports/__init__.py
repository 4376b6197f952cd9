"""Read-only KPI reports for the communication office: focal-point and policy coverage, feedback answered
on time per department, alerts; and the public on-time ranking. Each report is computed for a `Scope`
(scope.py): a period of Việt Nam days, a province, the departments the caller may see.
"""
