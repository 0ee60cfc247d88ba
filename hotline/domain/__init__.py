"""The domain layer: the hotline's vocabulary and pure rules, importing nothing else of ours.

Every other package may import from here; nothing here imports from `hotline.*` outside `hotline.domain`
(tests/test_import_graph.py holds both directions). What lives here: the states and outcomes as StrEnums,
the constants the law and the formats fix (provinces, licence classes, plate letters), and the rules that
need no database, clock service or network (fines and the late fee, scoring cycles, regions).
"""
