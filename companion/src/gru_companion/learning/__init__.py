"""(room docstring to be written)"""
