"""Forms of the assessments app, one module per side (applying, reviewing)."""
