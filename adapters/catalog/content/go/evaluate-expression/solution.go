//go:build ignore

package main

// evaluate returns the value of the integer arithmetic expression expr, which
// may use + - * /, unary minus, parentheses and spaces. Division truncates
// toward zero.
//
// It is a recursive-descent parser over this grammar:
//
//	expression = term { ("+" | "-") term }
//	term       = factor { ("*" | "/") factor }
//	factor     = "-" factor | "(" expression ")" | number
func evaluate(expr string) int {
	p := &parser{src: expr}
	return p.expression()
}

type parser struct {
	src string
	pos int
}

// peek skips spaces and returns the next character, or 0 at the end.
func (p *parser) peek() byte {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	if p.pos == len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) expression() int {
	value := p.term()
	for {
		switch p.peek() {
		case '+':
			p.pos++
			value += p.term()
		case '-':
			p.pos++
			value -= p.term()
		default:
			return value
		}
	}
}

func (p *parser) term() int {
	value := p.factor()
	for {
		switch p.peek() {
		case '*':
			p.pos++
			value *= p.factor()
		case '/':
			p.pos++
			value /= p.factor()
		default:
			return value
		}
	}
}

func (p *parser) factor() int {
	switch c := p.peek(); {
	case c == '-':
		p.pos++
		return -p.factor()
	case c == '(':
		p.pos++
		value := p.expression()
		p.peek() // skip spaces before ')'
		p.pos++
		return value
	default:
		value := 0
		for p.pos < len(p.src) && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
			value = value*10 + int(p.src[p.pos]-'0')
			p.pos++
		}
		return value
	}
}
