/* The texts rules/batch.py searches with Hyperscan, built in C.
 *
 * build(): the first search's text. rules/batch.py builds it in Python: each bill's searched
 * fields joined by new lines (BillText.joined_many), the bills joined, encoded, then translated
 * (letters and digits in lower case, everything else a space); over 100,000 bills that was about
 * a quarter of the batch's time, mostly the making of 100,000 strings read once. Here the fields
 * are copied straight into the translated text, and the same pass notes the two things
 * rules/batch.py otherwise searches each bill for: a compound (a hyphen between letters or
 * digits) and the control character U+0001.
 *
 * pieces(): the second search's segments, each field between spaces with its sentence breaks
 * marked, which Python made with a join, four replaces, a translation and a split.
 *
 * Without a C compiler the extension is not built and rules/batch.py does the same in Python
 * (same results: tests/test_rules_stepone.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static unsigned char alnum[256];
static unsigned char exact[256];  /* step 2: letters and digits in lower case, breaks, else a space */
static PyObject *texts_name;      /* "texts" */
static PyObject *items_name;      /* "items" */

/* Copies `length` ASCII characters translated to `out`; notes in `flags` a compound (flags[0])
 * and U+0001 (flags[1]) unless it is NULL. The hyphens and U+0001 are found with memchr, much
 * faster than looking at every character: most fields hold no hyphen. */
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

/* One field as step 2 searches it: a space, the text, a space; letters and digits in lower case,
 * U+0001 and U+0002 kept, the breaks of rules.text.index_positions U+0002 (",;:!?()[]{}\"|", a
 * full stop before a space or a new line, a hyphen after or before a space), everything else a
 * space: rules.batch._EXACT after rules.batch._BREAK_MARKS. */
static PyObject *
piece(PyObject *field)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(field);
    const unsigned char *in = PyUnicode_1BYTE_DATA(field);
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, length + 2);
    if (bytes == NULL)
        return NULL;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(bytes);
    out[0] = ' ';
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char c = in[i], translated = exact[c];
        if (c == '.' || c == '-') {
            unsigned char before = i > 0 ? in[i - 1] : ' ', after = i + 1 < length ? in[i + 1] : ' ';
            if (c == '.' ? after == ' ' || after == '\n' : before == ' ' || after == ' ')
                translated = 2;
        }
        out[i + 1] = translated;
    }
    out[length + 1] = ' ';
    return bytes;
}

/* 0 when the bill's fields can be cut into pieces here (a dict of ASCII str, each name a key of
 * `groups_of`, no list items), 1 when not, -1 with an exception set. */
static int
needs_python(PyObject *bill, PyObject *texts, PyObject *groups_of)
{
    PyObject *items = PyObject_GetAttr(bill, items_name);
    if (items == NULL)
        return -1;
    int other = !PyDict_CheckExact(items) || PyDict_GET_SIZE(items) != 0 || !PyDict_CheckExact(texts);
    Py_DECREF(items);
    Py_ssize_t position = 0;
    PyObject *key, *value;
    while (!other && PyDict_Next(texts, &position, &key, &value)) {
        if (PyDict_GetItemWithError(groups_of, key) == NULL) {
            if (PyErr_Occurred())
                return -1;
            other = 1;
        }
        other = other || !PyUnicode_CheckExact(value) || !PyUnicode_IS_ASCII(value);
    }
    return other;
}

/* pieces(bills, indexes, groups_of) -> (pieces, owners, groups, others)
 *
 * Step 2's segments of the bills at `indexes`: each searched field (see piece()), with the index
 * of its bill and its field group. `groups_of` maps each field name known here to its group, or
 * to None where the group is not searched. The bills with a list field, a field that is not an
 * ASCII str or a name not in `groups_of` are left to Python: `others`, their indexes. */
static PyObject *
pieces(PyObject *module, PyObject *args)
{
    PyObject *bills, *indexes, *groups_of;
    if (!PyArg_ParseTuple(args, "OO!O!:pieces", &bills, &PyList_Type, &indexes, &PyDict_Type, &groups_of))
        return NULL;
    /* No Python code runs below (only str keys are looked up), so the sequence cannot change. */
    PyObject *sequence = PySequence_Fast(bills, "bills must be a sequence");
    if (sequence == NULL)
        return NULL;
    PyObject *found = PyList_New(0), *owners = PyList_New(0), *groups = PyList_New(0), *others = PyList_New(0);
    PyObject *result = NULL;
    if (found == NULL || owners == NULL || groups == NULL || others == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(indexes); k++) {
        PyObject *index = PyList_GET_ITEM(indexes, k);
        Py_ssize_t i = PyLong_AsSsize_t(index);
        if (i == -1 && PyErr_Occurred())
            goto done;
        if (i < 0 || i >= PySequence_Fast_GET_SIZE(sequence)) {
            PyErr_SetString(PyExc_IndexError, "an index is not a bill's");
            goto done;
        }
        PyObject *bill = PySequence_Fast_GET_ITEM(sequence, i);
        PyObject *texts = PyObject_GetAttr(bill, texts_name);
        if (texts == NULL)
            goto done;
        int other = needs_python(bill, texts, groups_of);
        if (other != 0) {
            Py_DECREF(texts);
            if (other < 0 || PyList_Append(others, index) < 0)
                goto done;
            continue;
        }
        Py_ssize_t position = 0;
        PyObject *key, *value;
        while (PyDict_Next(texts, &position, &key, &value)) {
            PyObject *group = PyDict_GetItemWithError(groups_of, key);  /* borrowed; found above */
            if (group == NULL || group == Py_None)
                continue;
            PyObject *bytes = piece(value);
            int failed = bytes == NULL || PyList_Append(found, bytes) < 0 || PyList_Append(owners, index) < 0
                         || PyList_Append(groups, group) < 0;
            Py_XDECREF(bytes);
            if (failed) {
                Py_DECREF(texts);
                goto done;
            }
        }
        Py_DECREF(texts);
    }
    result = PyTuple_Pack(4, found, owners, groups, others);
done:
    Py_DECREF(sequence);
    Py_XDECREF(found);
    Py_XDECREF(owners);
    Py_XDECREF(groups);
    Py_XDECREF(others);
    return result;
}

static PyMethodDef methods[] = {
    {"pieces", pieces, METH_VARARGS,
     "pieces(bills, indexes, groups_of) -> (pieces, owners, groups, others): step 2's segments (rules/batch.py)"},
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
        exact[c] = (unsigned char)(letter_or_digit ? (c >= 'A' && c <= 'Z' ? c + 32 : c)
                                   : c == 1 || c == 2 ? c
                                   : c != 0 && strchr(",;:!?()[]{}\"|", c) != NULL ? 2 : ' ');
    }
    texts_name = PyUnicode_InternFromString("texts");
    items_name = PyUnicode_InternFromString("items");
    if (texts_name == NULL || items_name == NULL)
        return NULL;
    return PyModule_Create(&module);
}
