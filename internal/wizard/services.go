package wizard

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/charmbracelet/huh"
)

// ChooseServices asks which of the services `init --all` found to write,
// every one selected to begin with. labels are shown as given (the caller
// escapes them); the answer is the chosen indexes, in labels' order.
func (pr Prompter) ChooseServices(ctx context.Context, labels []string) ([]int, error) {
	opts := make([]huh.Option[int], len(labels))
	for i, l := range labels {
		opts[i] = huh.NewOption(l, i).Selected(true)
	}
	var chosen []int
	in := pr.In
	if pr.Accessible {
		in = &lineReader{r: bufio.NewReader(in)} // one answer a line, as Run reads them
	}
	title := "Services to write"
	if pr.Accessible {
		title += " (all are selected; a number toggles one, 0 goes on)"
	}
	ms := huh.NewMultiSelect[int]().Title(title).Options(opts...).Value(&chosen)
	if !pr.Accessible {
		ms.Description("space toggles, enter goes on")
	}
	err := huh.NewForm(huh.NewGroup(ms)).WithAccessible(pr.Accessible).WithInput(in).WithOutput(pr.Out).RunWithContext(ctx)
	switch {
	case errors.Is(err, huh.ErrUserAborted):
		return nil, ErrAborted
	case err != nil:
		return nil, fmt.Errorf("asking which services: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return chosen, nil
}
