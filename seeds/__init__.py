"""The evidence register (one YAML file per source), installed as the data package model.seeds.

Nothing here is code: this file only lets importlib.resources find the folder in a wheel
and in the editable checkout alike (see model/resources.py).
"""
