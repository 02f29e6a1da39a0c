import os
import sys

# The tests import their oracles as plain modules from this folder.
sys.path.insert(0, os.path.dirname(__file__))
