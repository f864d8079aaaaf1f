/*
 * DOC: the moving median (see detect_int.h).
 */
#include "detect/detect_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

int med_init(struct med_window *m, unsigned cap)
{
	memset(m, 0, sizeof(*m));
	m->cap = cap ? cap : 1;
	m->ring = calloc(m->cap, sizeof(*m->ring));
	m->sorted = calloc(m->cap, sizeof(*m->sorted));
	if (!m->ring || !m->sorted) {
		med_free(m);
		return LO_ENOMEM;
	}
	return 0;
}

void med_free(struct med_window *m)
{
	free(m->ring);
	free(m->sorted);
	m->ring = m->sorted = NULL;
}

/* First index in sorted[0..n) whose value is not below @v. */
static unsigned lower_bound(const double *a, unsigned n, double v)
{
	unsigned lo = 0, hi = n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (a[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void med_push(struct med_window *m, double v)
{
	if (m->n == m->cap) {
		double old = m->ring[m->head];
		unsigned i = lower_bound(m->sorted, m->n, old);
		memmove(m->sorted + i, m->sorted + i + 1, (m->n - i - 1) * sizeof(double));
		m->ring[m->head] = v;
		m->head = (m->head + 1) % m->cap;
		m->n--;
	} else {
		m->ring[(m->head + m->n) % m->cap] = v;
	}
	unsigned i = lower_bound(m->sorted, m->n, v);
	memmove(m->sorted + i + 1, m->sorted + i, (m->n - i) * sizeof(double));
	m->sorted[i] = v;
	m->n++;
}

double med_value(const struct med_window *m)
{
	if (!m->n)
		return 0;
	return m->n % 2 ? m->sorted[m->n / 2] : (m->sorted[m->n / 2 - 1] + m->sorted[m->n / 2]) / 2;
}
