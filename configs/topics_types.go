package configs

import "github.com/newswire/newswire/pipeline/tag/taxonomy"

// The topic rules' types are package taxonomy's, which the tagger compiles
// without depending on configs; configs reads files into them.
type (
	Topics        = taxonomy.Topics
	TopicDefaults = taxonomy.TopicDefaults
	Topic         = taxonomy.Topic
	Near          = taxonomy.Near
	PhraseLists   = taxonomy.PhraseLists
	Languages     = taxonomy.Languages
	PhraseSet     = taxonomy.PhraseSet
)
