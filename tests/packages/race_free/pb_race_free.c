/*
 * pb_race_free: test package pb-race-free (tests/packages/race_free).
 *
 * The race-free twin of tests/packages/racy: the same render(n), but each
 * call writes into its own buffer on the stack, so threads never share it.
 * Declares {Py_mod_gil, Py_MOD_GIL_NOT_USED}. Expected on every build:
 * "ready", its tests passing plainly and in threads.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sched.h>
#include <stdio.h>


/* render(n) -> str(n), through a buffer */
static PyObject *
pb_render(PyObject *module, PyObject *arg)
{
    char buffer[32];   /* this call's own */
    long value;
    volatile int spin;

    (void)module;
    value = PyLong_AsLong(arg);
    if (value == -1 && PyErr_Occurred()) {
        return NULL;
    }
    snprintf(buffer, 32, "%ld", value);
    /* Widen the window between the write and the read: give the CPU to
       another thread, then spin a little (threads on other CPUs run on). */
    sched_yield();
    for (spin = 0; spin < 2000; spin++) {
    }
    return PyUnicode_FromString(buffer);
}

static PyMethodDef pb_methods[] = {
    {"render", pb_render, METH_O, PyDoc_STR("render(n)\n--\n\nReturn str(n) for an int.")},
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
    .m_name = "pb_race_free",
    .m_doc = PyDoc_STR("render(n); declares Py_mod_gil = Py_MOD_GIL_NOT_USED."),
    .m_size = 0,
    .m_methods = pb_methods,
    .m_slots = pb_slots,
};

PyMODINIT_FUNC
PyInit_pb_race_free(void)
{
    return PyModuleDef_Init(&pb_module);
}
