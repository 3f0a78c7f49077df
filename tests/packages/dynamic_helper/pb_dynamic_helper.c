/*
 * pb_dynamic_helper: test package pb-dynamic-helper (tests/packages/dynamic_helper).
 *
 * Exercises dynamic build requirements: pyproject.toml lists setuptools only;
 * its in-tree backend (_backend/backend.py) asks for pb-buildhelper==1.0 in
 * get_requires_for_build_wheel, and setup.py takes this extension's define_macros
 * from pb_buildhelper.define_macros() == [("PB_HELPER_MAGIC", "42")]. The
 * build only succeeds when pip installed pb-buildhelper (from the wheel the
 * test writes into the wheelhouse) into the isolated build environment;
 * without the macro this file stops at the #error below. magic() returns 42.
 * Multi-phase init, declares Py_mod_gil = Py_MOD_GIL_NOT_USED.
 * Expected on every 3.13/3.14 build: verdict "ready".
 */

#ifndef PB_HELPER_MAGIC
#error "PB_HELPER_MAGIC is not defined: setup.py must get it from pb_buildhelper.define_macros()"
#endif

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* magic() -> PB_HELPER_MAGIC */
static PyObject *
pb_magic(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyLong_FromLong(PB_HELPER_MAGIC);
}

static PyMethodDef pb_methods[] = {
    {"magic", pb_magic, METH_NOARGS,
     PyDoc_STR("magic()\n--\n\nReturn PB_HELPER_MAGIC, set at build time by pb_buildhelper.")},
    {NULL, NULL, 0, NULL}   /* sentinel */
};

static PyModuleDef_Slot pb_slots[] = {
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef pb_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pb_dynamic_helper",
    .m_doc = PyDoc_STR("magic(); built with a macro from the pb-buildhelper build dependency."),
    .m_size = 0,
    .m_methods = pb_methods,
    .m_slots = pb_slots,
};

PyMODINIT_FUNC
PyInit_pb_dynamic_helper(void)
{
    return PyModuleDef_Init(&pb_module);
}
