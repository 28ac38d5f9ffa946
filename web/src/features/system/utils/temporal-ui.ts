/** The list of Isengard's workflows in the Temporal Web UI: its namespace, not the UI's default one. */
export function temporalWorkflowsUrl(uiUrl: string, namespace: string): string {
  const base = uiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows`;
}

/** The page of one workflow in the Temporal Web UI. */
export function temporalWorkflowUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${temporalWorkflowsUrl(uiUrl, namespace)}/${encodeURIComponent(workflowId)}`;
}
