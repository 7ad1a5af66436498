"""The shipped calibration targets files (YAML), installed as the data package model.targets.

Nothing here is code: this file only lets importlib.resources find the folder in a wheel
and in the editable checkout alike (see model/resources.py).
"""
