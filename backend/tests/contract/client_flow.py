"""The integration flow through a client generated from openapi/openapi.json (no hand-written
HTTP): a teacher uploads evidence for a measure of theirs and submits it, and the reviewer the
chain names approves it. Every answer is parsed by the generated models, with unexpected
statuses raised. Usage: python client_flow.py BASE_URL (run.sh generates `contract_client`)."""

import sys

from contract_client import AuthenticatedClient, Client
from contract_client.api.auth import login
from contract_client.api.evidence import upload
from contract_client.api.measures import get_measure, list_signoffs, sign_measure, submit_measure
from contract_client.api.me import my_tasks
from contract_client.models import Decision, LoginRequest, MeasureStatus, SignoffInput, TaskKind, UploadForm
from contract_client.types import File

BASE = sys.argv[1]
PASSWORD = "Rectify@2021"
# A one-page PDF: evidence is checked by content.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def signed_in(username: str) -> AuthenticatedClient:
    pair = login.sync(client=Client(base_url=BASE, raise_on_unexpected_status=True), body=LoginRequest(username=username, password=PASSWORD))
    assert pair is not None and pair.user.username == username, pair
    return AuthenticatedClient(base_url=BASE, token=pair.access_token, raise_on_unexpected_status=True)


def tasks(client: AuthenticatedClient, kind: TaskKind) -> list:
    return [t for t in my_tasks.sync(client=client).items if t.kind == kind]


teacher = signed_in("zengxy")
work = [t for t in tasks(teacher, TaskKind.WORK_ON) if t.status == MeasureStatus.IN_PROGRESS]
assert work, "the demo teacher has a measure in progress"
measure_id = work[0].measure_id

form = UploadForm(
    file=File(payload=PDF, file_name="会议记录.pdf", mime_type="application/pdf"),
    title="党委（扩大）会议记录",
    document_number="长职组〔2021〕16号",
)
evidence = upload.sync_detailed(measure_id, client=teacher, body=form, idempotency_key="client-flow-1")
assert evidence.status_code == 201, evidence.content
assert evidence.parsed.title == "党委（扩大）会议记录" and evidence.parsed.measure_id == measure_id

measure = get_measure.sync(measure_id, client=teacher)
submitted = submit_measure.sync_detailed(measure_id, client=teacher, if_match=f'"{measure.version}"')
assert submitted.status_code == 200, submitted.content
assert submitted.parsed.status == MeasureStatus.SUBMITTED
assert submitted.headers["etag"] == f'"{submitted.parsed.version}"'

# The chain says who approves; find that account among the vice-principals by its work queue.
chain = list_signoffs.sync(measure_id, client=teacher)
assert chain.pending_stage == "approve", chain.pending_stage
reviewer = next(
    c for c in map(signed_in, ["qinss", "xuzg", "lixy", "zhanghc"]) if any(t.measure_id == measure_id for t in tasks(c, TaskKind.APPROVE))
)
outcome = sign_measure.sync_detailed(
    measure_id, client=reviewer, if_match=f'"{submitted.parsed.version}"', body=SignoffInput(decision=Decision.APPROVE, comment="材料齐全")
)
assert outcome.status_code == 201, outcome.content
assert outcome.parsed.measure.status == MeasureStatus.APPROVED, outcome.parsed.measure.status
assert outcome.parsed.signoff.stage == "approve" and outcome.parsed.signoff.standing

# A stale version is refused as the contract says, and the client reads the problem document.
stale = submit_measure.sync_detailed(measure_id, client=teacher, if_match=f'"{measure.version}"')
assert stale.status_code == 412 and stale.parsed.code == "version_mismatch", stale.content
print(f"measure {measure_id}: evidence {evidence.parsed.id} uploaded, submitted, approved by {outcome.parsed.signoff.signer_name}")
