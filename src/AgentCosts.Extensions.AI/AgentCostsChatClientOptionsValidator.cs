using Microsoft.Extensions.Options;

namespace AgentCosts.Extensions.AI;

/// <summary>Validates <see cref="AgentCostsChatClientOptions"/>, generated from their data annotations; the client's constructor uses it.</summary>
[OptionsValidator]
internal sealed partial class AgentCostsChatClientOptionsValidator : IValidateOptions<AgentCostsChatClientOptions>
{
}
