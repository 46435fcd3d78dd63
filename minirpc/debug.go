package minirpc

// This file is provided: the debug page of part E. It reads the services
// through the names of service.go (service.name, service.method and
// methodType.NumCalls): keep them.

import (
	"html/template"
	"log"
	"net/http"
	"reflect"
	"sort"
)

// The paths HandleHTTP serves, and the status line of a CONNECT that
// succeeded.
const (
	DefaultRPCPath   = "/_minirpc_"
	DefaultDebugPath = "/debug/minirpc"
	connected        = "200 Connected to minirpc"
)

var debugPage = template.Must(template.New("debug").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>minirpc services</title></head>
<body>
{{range .}}<h2>Service {{.Name}}</h2>
<table border="1">
<tr><th>Method</th><th>Calls</th></tr>
{{range .Methods}}<tr><td>{{.Name}}({{.Arg}}, {{.Reply}}) error</td><td>{{.Calls}}</td></tr>
{{end}}</table>
{{else}}<p>No services registered.</p>
{{end}}</body></html>
`))

type debugHTTP struct{ *Server }

type debugService struct {
	Name    string
	Methods []debugMethod
}

type debugMethod struct {
	Name, Arg, Reply string
	Calls            uint64
}

// ServeHTTP lists the services, their methods and how often each was
// called.
func (d debugHTTP) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var services []debugService
	d.serviceMap.Range(func(_, v any) bool {
		svc := v.(*service)
		ds := debugService{Name: svc.name}
		for name, m := range svc.method {
			ds.Methods = append(ds.Methods, debugMethod{
				Name:  name,
				Arg:   typeName(m.ArgType),
				Reply: typeName(m.ReplyType),
				Calls: m.NumCalls(),
			})
		}
		sort.Slice(ds.Methods, func(i, j int) bool { return ds.Methods[i].Name < ds.Methods[j].Name })
		services = append(services, ds)
		return true
	})
	sort.Slice(services, func(i, j int) bool { return services[i].Name < services[j].Name })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := debugPage.Execute(w, services); err != nil {
		log.Println("rpc: debug page:", err)
	}
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "?"
	}
	return t.String()
}
