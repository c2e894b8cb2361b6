package spec

// DefinedFunctions returns the functions a C file defines at file scope,
// with the line of each name. It is a lexical scan, not a C parser: it
// skips comments, literals and preprocessor lines, and takes an identifier
// followed by a parenthesised list and then '{' at file scope as a
// definition. That is enough to catch a spec naming a function the sources
// lack before the compiler or, worse, the linker says so less clearly.
func DefinedFunctions(src []byte) map[string]int {
	out := map[string]int{}
	var (
		line      = 1
		braces    int
		parens    int
		candidate string // identifier seen before '(' at file scope
		candLine  int
		afterArgs bool // the candidate's parameter list has closed
		lastIdent string
		lastLine  int
		bol       = true // only white space since the start of the line
	)
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			line++
			bol = true
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			continue
		case bol && c == '#':
			// A directive runs to the end of the line, with '\'
			// continuations.
			for i < len(src) && src[i] != '\n' {
				if src[i] == '\\' && i+1 < len(src) && src[i+1] == '\n' {
					line++
					i++
				}
				i++
			}
			i--
			continue
		}
		bol = false
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			for i+1 < len(src) && !(src[i] == '*' && src[i+1] == '/') {
				if src[i] == '\n' {
					line++
				}
				i++
			}
			i++
		case c == '"' || c == '\'':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				} else if src[i] == '\n' {
					line++
				}
			}
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			lastIdent, lastLine = string(src[i:j]), line
			i = j - 1
		case c == '(':
			if braces == 0 && parens == 0 && lastIdent != "" && lastIdent != "__attribute__" && !afterArgs {
				candidate, candLine = lastIdent, lastLine
			}
			parens++
			lastIdent = ""
		case c == ')':
			if parens > 0 {
				parens--
			}
			if braces == 0 && parens == 0 && candidate != "" {
				afterArgs = true
			}
			lastIdent = ""
		case c == '{':
			if braces == 0 && parens == 0 && afterArgs && candidate != "" {
				out[candidate] = candLine
			}
			braces++
			candidate, afterArgs, lastIdent = "", false, ""
		case c == '}':
			if braces > 0 {
				braces--
			}
			lastIdent = ""
		case c == ';' || c == ',' || c == '=':
			if braces == 0 && parens == 0 {
				candidate, afterArgs = "", false
			}
			lastIdent = ""
		default:
			lastIdent = ""
		}
	}
	return out
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }
