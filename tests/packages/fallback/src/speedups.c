/*
 * pb_fallback._speedups: test package pb-fallback (tests/packages/fallback).
 *
 * An optional C speed-up that does not compile on purpose: the statement
 * below lacks its semicolon. setup.py marks the extension optional=True, so
 * setuptools catches gcc's error and the wheel is built without it: tagged
 * for the interpreter's ABI (cp313-cp313-linux_x86_64) yet holding no
 * extension module. Expected on every build: "fell back to pure Python", with
 * gcc's error as the reason. Do not fix it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
pb_scale(PyObject *module, PyObject *arg)
{
    (void)module;
    PyObject *seven = PyLong_FromLong(7)
    return PyNumber_Multiply(arg, seven);
}

static PyMethodDef pb_methods[] = {
    {"scale", pb_scale, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef pb_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pb_fallback._speedups",
    .m_size = 0,
    .m_methods = pb_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&pb_module);
}
