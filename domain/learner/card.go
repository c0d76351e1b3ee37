package learner

// Card is what the tutor says to the model about a learner: the name
// they chose and their preferences (the defaults until they set theirs).
type Card struct {
	DisplayName string
	Preferences Preferences
}
