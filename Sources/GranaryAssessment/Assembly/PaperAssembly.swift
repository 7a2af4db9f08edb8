/// The answer of the paper assembler: a paper, or the reason there is none.
public enum PaperAssembly: Sendable, Hashable {
    /// A paper meeting every constraint of the blueprint.
    case assembled(AssembledPaper)
    /// No paper was found; the infeasibility names the constraint.
    case infeasible(PaperInfeasibility)

    /// The paper, if one was assembled.
    public var paper: AssembledPaper? {
        if case .assembled(let paper) = self { return paper }
        return nil
    }

    /// The infeasibility, if no paper was assembled.
    public var infeasibility: PaperInfeasibility? {
        if case .infeasible(let infeasibility) = self { return infeasibility }
        return nil
    }
}
