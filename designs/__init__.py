"""The shipped sweep designs (YAML), installed as the data package model.designs.

Nothing here is code: this file only lets importlib.resources find the folder in a wheel
and in the editable checkout alike (see model/resources.py).
"""
