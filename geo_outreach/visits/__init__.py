"""Visit log and impact: what field workers did, and how it feeds the next plan.

Data layer (no streamlit).  See ``docs/visits.md``.
"""
