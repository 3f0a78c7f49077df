from setuptools import setup

setup(packages=["pb_pure"])
