using Microsoft.Extensions.Options;

namespace AgentCosts.DependencyInjection;

/// <summary>Validates <see cref="AgentCostsOptions"/>, generated from their data annotations (and their price rules), every problem in one result.</summary>
[OptionsValidator]
internal sealed partial class AgentCostsOptionsValidator : IValidateOptions<AgentCostsOptions>
{
}
