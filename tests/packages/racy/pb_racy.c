/*
 * pb_racy: test package pb-racy (tests/packages/racy).
 *
 * A data race that only matters without the GIL. render(n) writes n's digits
 * into ONE static buffer shared by every caller, gives the CPU away, then
 * reads the buffer back. With the GIL no other thread can enter render()
 * between the write and the read (the yield keeps the GIL), so it is always
 * right; on a free-threaded build another thread overwrites the buffer in
 * between and render(n) returns someone else's digits. The module still
 * declares {Py_mod_gil, Py_MOD_GIL_NOT_USED}: it imports "ready", and only
 * its own tests run in threads (pytest-run-parallel) show the race.
 * Its twin without the race: tests/packages/race_free. Do not fix it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sched.h>
#include <stdio.h>

/* The race: one buffer for every thread. */
static char shared_buffer[32];

/* render(n) -> str(n), through a buffer */
static PyObject *
pb_render(PyObject *module, PyObject *arg)
{
    char *buffer = shared_buffer;
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
    .m_name = "pb_racy",
    .m_doc = PyDoc_STR("render(n); declares Py_mod_gil = Py_MOD_GIL_NOT_USED."),
    .m_size = 0,
    .m_methods = pb_methods,
    .m_slots = pb_slots,
};

PyMODINIT_FUNC
PyInit_pb_racy(void)
{
    return PyModuleDef_Init(&pb_module);
}
