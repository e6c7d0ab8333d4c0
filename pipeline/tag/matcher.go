package tag

import "unicode/utf8"

// matcher finds every occurrence of a set of token phrases in one pass over
// a token sequence, whatever the number of phrases: an Aho-Corasick
// automaton whose alphabet is the set of distinct tokens in the phrases.
//
// A phrase whose last token is a prefix ("sanction*") is stored as its
// exact leading tokens plus a prefix edge out of the node they reach. A
// text token can satisfy several prefixes at once, so prefix edges are not
// transitions: at each token the matcher walks the nodes on the failure
// chain of its current state that have prefix edges (linked through
// node.plink, usually none) and checks them against the prefixes the token
// starts with.
//
// A matcher is immutable after build and safe for concurrent use.
type matcher struct {
	vocab map[string]int32 // exact token → symbol, while building
	// One pass over a token's bytes computes the hash of each of its
	// heads and of the whole token, which these tables are looked up by:
	// most tokens of a text are in no phrase and start no prefix, and are
	// turned away by a bit test (symbols.go).
	vocabTable  symbolTable
	prefixTable symbolTable
	// rootChild is the root's transition on each symbol (0: none): the
	// automaton falls back to the root often, and an array spares a map
	// lookup there.
	rootChild []int32
	prefixes  map[string]int32   // prefix token → prefix symbol
	minPrefix int                // shortest prefix, in bytes
	maxPrefix int                // longest prefix, in bytes
	edges     map[uint64]int32   // edgeKey(node, symbol) → child node
	prefixOut map[uint64][]int32 // edgeKey(node, prefix symbol) → patterns
	nodes     []acNode           // nodes[0] is the root
	patLen    []int32            // pattern → length in tokens
}

type acNode struct {
	fail  int32   // longest proper suffix that is a trie node
	dict  int32   // next node on the failure chain with outputs, -1 if none
	plink int32   // nearest node on the failure chain, self included, with prefix edges, -1 if none
	out   []int32 // patterns (without prefix) that end exactly here
	// hasPrefix and children are needed only while building.
	hasPrefix bool
	children  []int32
}

// occurrence is one place a pattern matched: tokens [start, end) of a field.
type occurrence struct {
	pattern    int32
	field      field
	start, end int32
}

type field uint8

const (
	fieldTitle field = iota
	fieldSummary
	fieldContent
	numFields
)

func (f field) String() string {
	return [...]string{"title", "summary", "content"}[f]
}

func edgeKey(node, sym int32) uint64 { return uint64(uint32(node))<<32 | uint64(uint32(sym)) }

func newMatcher() *matcher {
	return &matcher{
		vocab:     map[string]int32{},
		prefixes:  map[string]int32{},
		edges:     map[uint64]int32{},
		prefixOut: map[uint64][]int32{},
		nodes:     []acNode{{fail: 0, dict: -1, plink: -1}},
	}
}

// add registers a phrase of one or more tokens and returns its pattern id.
// With prefix set, the last token matches any token that starts with it.
// Callers add each distinct phrase once.
func (m *matcher) add(tokens []string, prefix bool) int32 {
	id := int32(len(m.patLen))
	m.patLen = append(m.patLen, int32(len(tokens)))
	exact := tokens
	if prefix {
		exact = tokens[:len(tokens)-1]
	}
	node := int32(0)
	for _, tok := range exact {
		sym, ok := m.vocab[tok]
		if !ok {
			sym = int32(len(m.vocab))
			m.vocab[tok] = sym
		}
		child, ok := m.edges[edgeKey(node, sym)]
		if !ok {
			child = int32(len(m.nodes))
			m.nodes = append(m.nodes, acNode{dict: -1, plink: -1})
			m.edges[edgeKey(node, sym)] = child
			m.nodes[node].children = append(m.nodes[node].children, child)
		}
		node = child
	}
	if !prefix {
		m.nodes[node].out = append(m.nodes[node].out, id)
		return id
	}
	last := tokens[len(tokens)-1]
	psym, ok := m.prefixes[last]
	if !ok {
		psym = int32(len(m.prefixes))
		m.prefixes[last] = psym
		if m.minPrefix == 0 || len(last) < m.minPrefix {
			m.minPrefix = len(last)
		}
		m.maxPrefix = max(m.maxPrefix, len(last))
	}
	k := edgeKey(node, psym)
	m.prefixOut[k] = append(m.prefixOut[k], id)
	m.nodes[node].hasPrefix = true
	return id
}

// build computes failure, output and prefix links breadth first, parents
// before children. The matcher must not be added to afterwards.
func (m *matcher) build() {
	m.vocabTable, m.prefixTable = newSymbolTable(m.vocab), newSymbolTable(m.prefixes)
	m.rootChild = make([]int32, len(m.vocab))
	for k, child := range m.edges {
		if node := int32(k >> 32); node == 0 {
			m.rootChild[int32(uint32(k))] = child
		}
	}
	symOf := make([]int32, len(m.nodes)) // the symbol on the edge into each node
	for k, child := range m.edges {
		symOf[child] = int32(uint32(k))
	}
	if m.nodes[0].hasPrefix {
		m.nodes[0].plink = 0
	}
	queue := []int32{0}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, c := range m.nodes[u].children {
			f := int32(0)
			if u != 0 {
				f = m.step(m.nodes[u].fail, symOf[c])
			}
			nd := &m.nodes[c]
			nd.fail = f
			if len(m.nodes[f].out) > 0 {
				nd.dict = f
			} else {
				nd.dict = m.nodes[f].dict
			}
			if nd.hasPrefix {
				nd.plink = c
			} else {
				nd.plink = m.nodes[f].plink
			}
			queue = append(queue, c)
		}
		m.nodes[u].children = nil
	}
}

// step is the automaton's transition: from state on symbol sym, following
// failure links until an edge exists, or the root.
func (m *matcher) step(state, sym int32) int32 {
	for state != 0 {
		if c, ok := m.edges[edgeKey(state, sym)]; ok {
			return c
		}
		state = m.nodes[state].fail
	}
	if m.rootChild != nil {
		return m.rootChild[sym]
	}
	return m.edges[edgeKey(0, sym)] // while building; 0 when absent
}

// scan appends to occ every occurrence of every pattern in the tokens of
// text delimited by bounds, as tokenise returns them.
func (m *matcher) scan(text []byte, bounds []int32, f field, occ []occurrence) []occurrence {
	var psymBuf [8]int32
	state := int32(0)
	for i := 0; i < len(bounds)/2; i++ {
		tok := text[bounds[2*i]:bounds[2*i+1]]
		end := int32(i + 1)
		h := uint64(fnvOffset)
		psyms := psymBuf[:0]
		for j, c := range tok {
			h = (h ^ uint64(c)) * fnvPrime
			if n := j + 1; n >= m.minPrefix && n <= m.maxPrefix && (n == len(tok) || utf8.RuneStart(tok[n])) {
				if ps, ok := m.prefixTable.lookup(tok[:n], h); ok {
					psyms = append(psyms, ps)
				}
			}
		}
		if len(psyms) > 0 {
			occ = m.prefixHits(state, psyms, f, end, occ)
		}
		sym, ok := m.vocabTable.lookup(tok, h)
		if !ok {
			state = 0
			continue
		}
		state = m.step(state, sym)
		for n := state; n >= 0; n = m.nodes[n].dict {
			for _, p := range m.nodes[n].out {
				occ = append(occ, occurrence{p, f, end - m.patLen[p], end})
			}
		}
	}
	return occ
}

// prefixHits appends the prefix phrases ending on a token that starts
// with the prefixes psyms: they extend the state reached by the tokens
// before it.
func (m *matcher) prefixHits(state int32, psyms []int32, f field, end int32, occ []occurrence) []occurrence {
	for n := m.nodes[state].plink; n >= 0; {
		for _, ps := range psyms {
			for _, p := range m.prefixOut[edgeKey(n, ps)] {
				occ = append(occ, occurrence{p, f, end - m.patLen[p], end})
			}
		}
		if n == 0 {
			break
		}
		n = m.nodes[m.nodes[n].fail].plink
	}
	return occ
}
