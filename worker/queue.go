package worker

import "container/heap"

// taskQueue is a min-heap of feeds by wake time.
type taskQueue []*feedTask

func (q taskQueue) Len() int           { return len(q) }
func (q taskQueue) Less(i, j int) bool { return q[i].wake.Before(q[j].wake) }
func (q taskQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *taskQueue) Push(x any) {
	t := x.(*feedTask)
	t.index = len(*q)
	*q = append(*q, t)
}
func (q *taskQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	t.index = -1
	return t
}

// remove takes t out of the queue if it is in it.
func (q *taskQueue) remove(t *feedTask) {
	if t.index >= 0 && t.index < len(*q) && (*q)[t.index] == t {
		heap.Remove(q, t.index)
	}
}
