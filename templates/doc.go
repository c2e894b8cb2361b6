// Package templates holds the C and Kbuild templates of a generated
// livepatch module, embedded in the binary so klpkit needs no data files.
//
// It only parses the templates and supplies the functions they call; the
// builder package decides what data they see and where the output goes.
package templates
