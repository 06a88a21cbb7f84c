package heapwatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var sink []byte

func TestPeakGrowthSeesAnAllocation(t *testing.T) {
	grown := PeakGrowth(func() {
		sink = make([]byte, 32<<20)
		time.Sleep(20 * time.Millisecond) // let a sample see it
	})
	assert.GreaterOrEqual(t, grown, int64(32<<20))
	sink = nil
	assert.Less(t, PeakGrowth(func() { time.Sleep(10 * time.Millisecond) }), int64(8<<20))
}
