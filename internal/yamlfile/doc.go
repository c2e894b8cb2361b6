// Package yamlfile decodes klpkit's YAML files (patch specs, scenarios)
// node by node, so every value keeps its line and column, unknown and
// repeated fields are errors, and all problems of a file are reported
// together as Errors naming file:line:col and the field.
//
// It knows no schema: callers say which fields a mapping has.
package yamlfile
