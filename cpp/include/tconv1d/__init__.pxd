# Makes this include directory's tconv1d/ a Cython package: with
# include_path=[tconv1d.get_include()], `from tconv1d cimport capi` finds capi.pxd.
