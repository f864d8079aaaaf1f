/*
 * DOC: detect internals — the moving median both detectors use as their
 * baseline: the last @cap values in arrival order (a ring) and the same
 * values kept sorted, so a push is two binary searches and two memmoves
 * instead of a sort.
 */
#ifndef LO_DETECT_INT_H
#define LO_DETECT_INT_H

struct med_window {
	double *ring, *sorted;
	unsigned n, head, cap;
};

int med_init(struct med_window *m, unsigned cap);
void med_free(struct med_window *m);
/* med_push() - add @v, dropping the oldest value when full. */
void med_push(struct med_window *m, double v);
/* med_value() - the median of the values held (n > 0). */
double med_value(const struct med_window *m);

#endif
