package taint

import (
	"fmt"
	"math/bits"
	"strings"
)

// Flag is one taint bit that is set.
type Flag struct {
	Bit     int    `json:"bit"`
	Letter  string `json:"letter"`  // as in "Tainted: ... O K"; "?" for a bit klpkit does not know
	Meaning string `json:"meaning"` // what set it
}

// known lists the bits in order, from tainted-kernels.rst. 6.1 defines
// bits 0 to 18; bit 19 (J) came with fwctl in 6.15. A bit a newer kernel
// adds still decodes, as unknown.
var known = []Flag{
	{0, "P", "proprietary module loaded"},
	{1, "F", "module force loaded"},
	{2, "S", "system out of specification"},
	{3, "R", "module force unloaded"},
	{4, "M", "machine check exception"},
	{5, "B", "bad page reference or unexpected page flags"},
	{6, "U", "taint requested from user space"},
	{7, "D", "kernel died recently (oops or BUG)"},
	{8, "A", "ACPI table overridden"},
	{9, "W", "kernel warning"},
	{10, "C", "staging driver loaded"},
	{11, "I", "workaround for a platform firmware bug"},
	{12, "O", "out-of-tree module loaded"},
	{13, "E", "unsigned module loaded"},
	{14, "L", "soft lockup"},
	{15, "K", "kernel live patched"},
	{16, "X", "auxiliary taint (distribution-defined)"},
	{17, "T", "built with the randstruct plugin"},
	{18, "N", "in-kernel test run"},
	{19, "J", "debug write to device firmware through fwctl"},
}

// Decode lists the flags set in mask, lowest bit first. It returns an
// empty, non-nil list for an untainted kernel.
func Decode(mask uint64) []Flag {
	flags := []Flag{}
	for mask != 0 {
		bit := bits.TrailingZeros64(mask)
		mask &^= 1 << bit
		if bit < len(known) {
			flags = append(flags, known[bit])
			continue
		}
		flags = append(flags, Flag{Bit: bit, Letter: "?", Meaning: fmt.Sprintf("bit %d, unknown to klpkit (a newer kernel?)", bit)})
	}
	return flags
}

// Letters gives the letters of the flags set in mask, lowest bit first,
// with no padding: "OEK" where the kernel prints "Tainted: G  OE K". An
// untainted kernel gives "".
func Letters(mask uint64) string {
	var b strings.Builder
	for _, f := range Decode(mask) {
		b.WriteString(f.Letter)
	}
	return b.String()
}
