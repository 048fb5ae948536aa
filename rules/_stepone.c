/* The text of rules/batch.py's first search, built in one pass over the bills.
 *
 * rules/batch.py builds it in Python: each bill's searched fields joined by new lines
 * (BillText.joined_many), the bills joined, encoded, then translated (letters and digits in lower
 * case, everything else a space). Over 100,000 bills that is about a quarter of the batch's time,
 * mostly the making of 100,000 strings that are read once. Here the fields are copied straight
 * into the translated text, and the same pass notes the two things rules/batch.py otherwise
 * searches each bill for: a compound (a hyphen between letters or digits) and the control
 * character U+0001. Without a C compiler the extension is not built and rules/batch.py does the
 * same in Python (same results: tests/test_rules_stepone.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static unsigned char alnum[256];
static PyObject *texts_name;      /* "texts" */

/* Copies `length` ASCII characters translated to `out`; notes in `flags` a compound (flags[0])
 * and U+0001 (flags[1]). The hyphens and U+0001 are found with memchr, which is much faster than
 * looking at every character (a compound is rare). */
static void
translate(const unsigned char *text, Py_ssize_t length, unsigned char *out, unsigned char *flags)
{
    /* Branch-free, so that the compiler makes it a vector loop (ASCII only: `text` is). */
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char c = text[i], lower = c | 0x20;
        unsigned char letter = (unsigned char)(lower - 'a') < 26, digit = (unsigned char)(c - '0') < 10;
        out[i] = letter ? lower : digit ? c : ' ';
    }
    if (flags == NULL)
        return;
    const unsigned char *end = text + length;
    for (const unsigned char *hyphen = text; !flags[0] && (hyphen = memchr(hyphen, '-', end - hyphen)) != NULL;) {
        const unsigned char *after = hyphen;
        while (after < end && *after == '-')
            after++;
        if (hyphen > text && alnum[hyphen[-1]] && after < end && alnum[*after])
            flags[0] = 1;
        hyphen = after;
    }
    if (!flags[1] && memchr(text, 1, length) != NULL)
        flags[1] = 1;
}

/* The growing text of build(). */
typedef struct {
    PyObject *bytes;
    Py_ssize_t size;  /* characters written */
    int hyphens;      /* 0: hyphens are left out ("e-prescribing" written "eprescribing") */
} Text;

/* Room for `more` characters after those written; -1 with an exception set when there is none. */
static int
reserve(Text *text, Py_ssize_t more)
{
    Py_ssize_t capacity = PyBytes_GET_SIZE(text->bytes);
    if (text->size + more <= capacity)
        return 0;
    Py_ssize_t wanted = capacity + capacity / 2;
    if (wanted < text->size + more)
        wanted = text->size + more;
    return _PyBytes_Resize(&text->bytes, wanted);
}

/* Appends `length` characters of ASCII `data`, translated (its hyphens left out unless text->hyphens). */
static int
append(Text *text, const void *data, Py_ssize_t length, unsigned char *flags)
{
    if (reserve(text, length) < 0)
        return -1;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(text->bytes) + text->size;
    if (text->hyphens) {
        translate(data, length, out, flags);
        text->size += length;
        return 0;
    }
    const unsigned char *in = data;
    Py_ssize_t written = 0;
    for (Py_ssize_t i = 0; i < length; i++)
        if (in[i] != '-')
            out[written++] = in[i];
    translate(out, written, out, NULL);  /* (no compound, no U+0001 looked for) */
    text->size += written;
    return 0;
}

/* Appends bill `index`'s text: its fields joined by new lines when they are all ASCII str with
 * names in `names`, else what `prepare(index)` returns (an ASCII str). */
static int
append_bill(Text *text, PyObject *bill, Py_ssize_t index, PyObject *names, PyObject *prepare, unsigned char *flags)
{
    PyObject *texts = PyObject_GetAttr(bill, texts_name);
    if (texts == NULL)
        return -1;
    int plain = PyDict_CheckExact(texts);
    Py_ssize_t length = 0, position = 0;
    PyObject *key, *value;
    while (plain && PyDict_Next(texts, &position, &key, &value)) {
        int known = PySet_Contains(names, key);
        if (known < 0) {
            Py_DECREF(texts);
            return -1;
        }
        plain = known && PyUnicode_CheckExact(value) && PyUnicode_IS_ASCII(value);
        length += plain ? PyUnicode_GET_LENGTH(value) + 1 : 0;
    }
    int result = 0;
    if (plain) {
        if (reserve(text, length) < 0) {
            result = -1;
        } else {
            int first = 1;
            position = 0;
            while (result == 0 && PyDict_Next(texts, &position, &key, &value)) {
                if (!first)
                    result = append(text, "\n", 1, flags);
                first = 0;
                if (result == 0)
                    result = append(text, PyUnicode_1BYTE_DATA(value), PyUnicode_GET_LENGTH(value), flags);
            }
        }
    } else {
        PyObject *prepared = PyObject_CallFunction(prepare, "n", index);
        if (prepared == NULL) {
            result = -1;
        } else if (!PyUnicode_Check(prepared) || !PyUnicode_IS_ASCII(prepared)) {
            PyErr_SetString(PyExc_ValueError, "prepare() did not return an ASCII str");
            result = -1;
        } else {
            result = append(text, PyUnicode_1BYTE_DATA(prepared), PyUnicode_GET_LENGTH(prepared), flags);
        }
        Py_XDECREF(prepared);
    }
    Py_DECREF(texts);
    return result;
}

/* build(bills, names, prepare, hyphens=True) -> (text, ends, compounds, controls)
 *
 * text: a space, then each bill's text translated followed by a space (rules.batch._LOOSE applied
 * to rules.batch._joined_texts); ends[i]: where the space after bill i is; compounds[i] and
 * controls[i]: 1 when bill i's text holds a compound, or U+0001. A bill's text is its fields
 * joined by new lines (BillText.joined) when their names are all in `names` (a frozenset) and
 * they are all ASCII str, else prepare(i) (an ASCII str). With hyphens false, the hyphens are left
 * out of the text (the search for compounds written joined) and ends count without them. */
static PyObject *
build(PyObject *module, PyObject *args)
{
    PyObject *bills, *names, *prepare;
    int hyphens = 1;
    if (!PyArg_ParseTuple(args, "OO!O|p:build", &bills, &PyFrozenSet_Type, &names, &prepare, &hyphens))
        return NULL;
    /* A tuple of its own: prepare() runs Python code, which could change a list. */
    PyObject *sequence = PySequence_Tuple(bills);
    if (sequence == NULL)
        return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(sequence);
    PyObject **items = &PyTuple_GET_ITEM(sequence, 0);
    Text text = {PyBytes_FromStringAndSize(NULL, 256 * count + 1), 0, hyphens};
    PyObject *ends = PyList_New(count);
    PyObject *compounds = PyBytes_FromStringAndSize(NULL, count);
    PyObject *controls = PyBytes_FromStringAndSize(NULL, count);
    PyObject *result = NULL;
    if (text.bytes == NULL || ends == NULL || compounds == NULL || controls == NULL)
        goto done;
    unsigned char *compound = (unsigned char *)PyBytes_AS_STRING(compounds);
    unsigned char *control = (unsigned char *)PyBytes_AS_STRING(controls);
    if (append(&text, " ", 1, NULL) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        unsigned char flags[2] = {0, 0};
        if (append_bill(&text, items[i], i, names, prepare, flags) < 0)
            goto done;
        PyObject *end = PyLong_FromSsize_t(text.size);
        if (end == NULL)
            goto done;
        PyList_SET_ITEM(ends, i, end);
        if (append(&text, " ", 1, NULL) < 0)
            goto done;
        compound[i] = flags[0];
        control[i] = flags[1];
    }
    if (_PyBytes_Resize(&text.bytes, text.size) < 0)
        goto done;
    result = PyTuple_Pack(4, text.bytes, ends, compounds, controls);
done:
    Py_XDECREF(text.bytes);
    Py_XDECREF(ends);
    Py_XDECREF(compounds);
    Py_XDECREF(controls);
    Py_DECREF(sequence);
    return result;
}

static PyMethodDef methods[] = {
    {"build", build, METH_VARARGS,
     "build(bills, names, prepare, hyphens=True) -> (text, ends, compounds, controls): the first search's text (rules/batch.py)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rules._stepone",
    .m_doc = "The first search's text of rules/batch.py, built in C.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__stepone(void)
{
    for (int c = 0; c < 256; c++) {
        int letter_or_digit = c < 128 && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
        alnum[c] = (unsigned char)letter_or_digit;
    }
    texts_name = PyUnicode_InternFromString("texts");
    if (texts_name == NULL)
        return NULL;
    return PyModule_Create(&module);
}
