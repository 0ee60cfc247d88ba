"""Synthetic demo data: `flask demo-data` (hotline/cli/demo.py).

- `cast.py`: the fixed demo people the README names, and one showcase person per notice kind;
- `crowd.py`: any number of synthetic people, made a chunk at a time from a seed;
- `numbers.py`: valid, never-colliding identifiers (ID numbers, credit codes, plates, VINs, mobiles);
- `timetable.py`: exam plans and inspection slots around the day;
- `fill.py`: the database: timetable and cast through the import, the crowd through `bulk.py` (the
  import's own validation, then COPY or executemany);
- `export.py`: the same records as JSON Lines.
"""
