# Kept for tools that still call setup.py; the build backend is pbr.build.
import setuptools

setuptools.setup(setup_requires=['pbr>=6.1.1'], pbr=True)
